from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_tally.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_when = l_0_tally = missing
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
    pass
    included_template = environment.get_template('_context.html.j2', '_tally.html.j2')._get_default_module(context)
    l_0_when = getattr(included_template, 'when', missing)
    if l_0_when is missing:
        l_0_when = undefined(f"the template {included_template.__name__!r} (imported on line 2 in '_tally.html.j2') does not export the requested name 'when'", name='when')
    context.vars['when'] = l_0_when
    context.exported_vars.discard('when')
    def macro(l_1_record):
        t_3 = []
        if l_1_record is missing:
            l_1_record = undefined("parameter 'record' was not provided", name='record')
        pass
        if l_1_record:
            pass
            t_3.extend((
                '<div class="tally">\n<p class="tally-count"><strong>',
                escape(environment.finalize(t_2(environment.getattr(l_1_record, 'approvals')))),
                ' of ',
                escape(environment.finalize(environment.getattr(l_1_record, 'approvals_needed'))),
                ' approval',
                escape(environment.finalize(('s' if (environment.getattr(l_1_record, 'approvals_needed') != 1) else cond_expr_undefined("the inline if-expression on line 6 in '_tally.html.j2' evaluated to false and no else section was defined.")))),
                '</strong>',
            ))
            l_2_loop = missing
            for l_2_vote, l_2_loop in LoopContext(environment.getattr(l_1_record, 'approvals'), undefined):
                _loop_vars = {}
                pass
                t_3.extend((
                    escape(environment.finalize((': ' if environment.getattr(l_2_loop, 'first') else ', '))),
                    escape(environment.finalize(environment.getattr(l_2_vote, 'approver'))),
                    ' at ',
                    escape(environment.finalize(context.call((undefined(name='when') if l_0_when is missing else l_0_when), environment.getattr(l_2_vote, 'at'), _loop_vars=_loop_vars))),
                ))
            l_2_loop = l_2_vote = missing
            t_3.append(
                '</p>\n',
            )
            if (environment.getattr(l_1_record, 'approvals_needed') > environment.getattr(l_1_record, 'min_approvals')):
                pass
                t_3.extend((
                    '<p class="who">Greenlight cannot tell who asked for this run, so it needs one approval more than the rule\'s ',
                    escape(environment.finalize(environment.getattr(l_1_record, 'min_approvals'))),
                    '.</p>',
                ))
            if environment.getattr(l_1_record, 'requesters'):
                pass
                t_3.extend((
                    '<p class="who">Cannot approve, as the requester: ',
                    escape(environment.finalize(t_1(context.eval_ctx, environment.getattr(l_1_record, 'requesters'), ', '))),
                    '</p>',
                ))
            if environment.getattr(l_1_record, 'rejection'):
                pass
                t_3.extend((
                    '<p>Rejected by ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_record, 'rejection'), 'approver'))),
                    ' at ',
                    escape(environment.finalize(context.call((undefined(name='when') if l_0_when is missing else l_0_when), environment.getattr(environment.getattr(l_1_record, 'rejection'), 'at')))),
                    ': ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_record, 'rejection'), 'comment'))),
                ))
                if environment.getattr(environment.getattr(l_1_record, 'rejection'), 'late'):
                    pass
                    t_3.append(
                        ' (while the decision was being submitted; it decides only if that submission fails)',
                    )
                t_3.append(
                    '</p>',
                )
            if ((environment.getattr(l_1_record, 'status') in ('pending', 'deciding')) and context.call(environment.getattr(l_1_record, 'waiting_on'))):
                pass
                t_3.extend((
                    '<p class="who">Waiting for: ',
                    escape(environment.finalize(t_1(context.eval_ctx, context.call(environment.getattr(l_1_record, 'waiting_on')), ', '))),
                    '</p>',
                ))
            t_3.append(
                '</div>\n',
            )
        return concat(t_3)
    context.exported_vars.add('tally')
    context.vars['tally'] = l_0_tally = Macro(environment, macro, 'tally', ('record',), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '2=24&3=30&4=35&6=39&7=60&8=67&9=74&10=92'