from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/unmeetable.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_headline = resolve('headline')
    l_0_record = resolve('record')
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
        t_3 = environment.filters['utc']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'utc' found.")
    pass
    yield str(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '\n\nPipeline:  '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '\nStage:     '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'stage')))
    yield ' / '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'action')))
    yield '\n'
    if environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'context'), 'execution_id'):
        pass
        yield 'Execution: '
        yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'context'), 'execution_id')))
        yield '\n'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requester'):
        pass
        yield 'Requested: '
        yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requester')))
        yield '\n'
    yield 'Rule:      '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rule')))
    yield '\nExpires:   '
    yield str(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'expires_at'))))
    yield '\n\nThis approval needs '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed')))
    yield ' approvals from different approvers'
    if (environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed') > environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')):
        pass
        yield " (one more than the rule's "
        yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')))
        yield ', because Greenlight cannot tell who asked for the run)'
    yield ', but only '
    yield str(environment.finalize(t_2(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'eligible'))))
    yield ' of its '
    yield str(environment.finalize(t_2(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvers'))))
    yield ' approvers may approve it'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requesters'):
        pass
        yield ': '
        yield str(environment.finalize(t_1(context.eval_ctx, environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requesters'), ', ')))
        yield ' asked for the run and cannot approve it'
    yield '.\n\nNobody can complete it. It can still be rejected; otherwise it expires. The request keeps the approvers it was sent with: change the rule for later runs.\n'

blocks = {}
debug_info = '1=31&3=33&4=35&5=39&6=42&8=44&9=47&11=50&12=52&14=54'