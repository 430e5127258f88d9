from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/_tally.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_record = resolve('record')
    try:
        t_1 = environment.filters['quoted']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'quoted' found.")
    try:
        t_2 = environment.filters['utc']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'utc' found.")
    pass
    if (environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed') > environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')):
        pass
        yield '  '
        yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed')))
        yield " approvals needed: one more than the rule's "
        yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')))
        yield ', as the requester was not known\n'
    for l_1_vote in environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals'):
        _loop_vars = {}
        pass
        yield '  approved by '
        yield str(environment.finalize(environment.getattr(l_1_vote, 'approver')))
        yield ' at '
        yield str(environment.finalize(t_2(environment.getattr(l_1_vote, 'at'))))
        if environment.getattr(l_1_vote, 'comment'):
            pass
            yield ': '
            yield str(environment.finalize(t_1(environment.getattr(l_1_vote, 'comment'))))
        yield '\n'
    l_1_vote = missing
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'):
        pass
        yield '  rejected by '
        yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'approver')))
        yield ' at '
        yield str(environment.finalize(t_2(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'at'))))
        yield ': '
        yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'comment'))))
        if environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'late'):
            pass
            yield ' (while the decision was being submitted)'
        yield '\n'

blocks = {}
debug_info = '2=24&3=27&5=31&6=35&9=44&10=47'