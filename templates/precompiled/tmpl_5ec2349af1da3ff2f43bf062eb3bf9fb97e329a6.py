from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_tally.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_tally = missing
    try:
        t_1 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_2 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    try:
        t_3 = environment.filters['time_tag']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'time_tag' found.")
    pass
    def macro(l_1_record):
        t_4 = []
        if l_1_record is missing:
            l_1_record = undefined("parameter 'record' was not provided", name='record')
        pass
        if l_1_record:
            pass
            t_4.extend((
                '<div class="tally">\n<p class="tally-count"><strong>',
                escape(environment.finalize(t_2(environment.getattr(l_1_record, 'approvals')))),
                ' of ',
                escape(environment.finalize(environment.getattr(l_1_record, 'approvals_needed'))),
                ' approval',
                escape(environment.finalize(('s' if (environment.getattr(l_1_record, 'approvals_needed') != 1) else cond_expr_undefined("the inline if-expression on line 5 in '_tally.html.j2' evaluated to false and no else section was defined.")))),
                '</strong>',
            ))
            l_2_loop = missing
            for l_2_vote, l_2_loop in LoopContext(environment.getattr(l_1_record, 'approvals'), undefined):
                _loop_vars = {}
                pass
                t_4.extend((
                    escape(environment.finalize((': ' if environment.getattr(l_2_loop, 'first') else ', '))),
                    escape(environment.finalize(environment.getattr(l_2_vote, 'approver'))),
                    ' at ',
                    escape(environment.finalize(t_3(environment.getattr(l_2_vote, 'at')))),
                ))
            l_2_loop = l_2_vote = missing
            t_4.append(
                '</p>\n',
            )
            if (environment.getattr(l_1_record, 'approvals_needed') > environment.getattr(l_1_record, 'min_approvals')):
                pass
                t_4.extend((
                    '<p class="who">Greenlight cannot tell who asked for this run, so it needs one approval more than the rule\'s ',
                    escape(environment.finalize(environment.getattr(l_1_record, 'min_approvals'))),
                    '.</p>',
                ))
            if environment.getattr(l_1_record, 'requesters'):
                pass
                t_4.extend((
                    '<p class="who">Cannot approve, as the requester: ',
                    escape(environment.finalize(t_1(context.eval_ctx, environment.getattr(l_1_record, 'requesters'), ', '))),
                    '</p>',
                ))
            if environment.getattr(l_1_record, 'rejection'):
                pass
                t_4.extend((
                    '<p>Rejected by ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_record, 'rejection'), 'approver'))),
                    ' at ',
                    escape(environment.finalize(t_3(environment.getattr(environment.getattr(l_1_record, 'rejection'), 'at')))),
                    ': ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_record, 'rejection'), 'comment'))),
                ))
                if environment.getattr(environment.getattr(l_1_record, 'rejection'), 'late'):
                    pass
                    t_4.append(
                        ' (while the decision was being submitted; it decides only if that submission fails)',
                    )
                t_4.append(
                    '</p>',
                )
            if ((environment.getattr(l_1_record, 'status') in ('pending', 'deciding')) and context.call(environment.getattr(l_1_record, 'waiting_on'))):
                pass
                t_4.extend((
                    '<p class="who">Waiting for: ',
                    escape(environment.finalize(t_1(context.eval_ctx, context.call(environment.getattr(l_1_record, 'waiting_on')), ', '))),
                    '</p>',
                ))
            t_4.append(
                '</div>\n',
            )
        return concat(t_4)
    context.exported_vars.add('tally')
    context.vars['tally'] = l_0_tally = Macro(environment, macro, 'tally', ('record',), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '2=30&3=35&5=39&6=60&7=67&8=74&9=92'