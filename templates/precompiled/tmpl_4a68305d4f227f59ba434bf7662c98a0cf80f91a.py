from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/approval.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_reminder = resolve('reminder')
    l_0_approve_url = resolve('approve_url')
    l_0_reject_url = resolve('reject_url')
    l_0_approver = resolve('approver')
    l_0_needed_line = resolve('needed_line')
    l_0_self_requested = resolve('self_requested')
    l_0_note = resolve('note')
    l_0_request = resolve('request')
    l_0_context = resolve('context')
    l_0_expires = resolve('expires')
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
    if (undefined(name='reminder') if l_0_reminder is missing else l_0_reminder):
        pass
        yield 'Reminder: approval still needed'
    else:
        pass
        yield 'Approval needed'
    yield '\n\nYour links (only these come from Greenlight):\n\nApprove: '
    yield str(environment.finalize((undefined(name='approve_url') if l_0_approve_url is missing else l_0_approve_url)))
    yield '\n\nReject:  '
    yield str(environment.finalize((undefined(name='reject_url') if l_0_reject_url is missing else l_0_reject_url)))
    yield '\n\nThese links are for '
    yield str(environment.finalize((undefined(name='approver') if l_0_approver is missing else l_0_approver)))
    yield ' only. Opening one decides nothing: the page\nasks you to confirm, and a reason is needed to reject.\n\n'
    yield str(environment.finalize((undefined(name='needed_line') if l_0_needed_line is missing else l_0_needed_line)))
    yield '.\n\n'
    if (undefined(name='self_requested') if l_0_self_requested is missing else l_0_self_requested):
        pass
        yield 'You asked for this run, so your approval will not count; you may still reject it.\n\n'
    if (undefined(name='note') if l_0_note is missing else l_0_note):
        pass
        yield str(environment.finalize((undefined(name='note') if l_0_note is missing else l_0_note)))
        yield '\n\n'
    yield 'What is waiting, as CodePipeline reports it (quoted text is not from Greenlight):\n\nPipeline:  '
    yield str(environment.finalize(environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'pipeline')))
    yield '\nStage:     '
    yield str(environment.finalize(environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'stage')))
    yield '\nAction:    '
    yield str(environment.finalize(environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'action')))
    yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'):
        pass
        yield 'Revision:  '
        yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'short_id')))
        if environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'message'):
            pass
            yield ' '
            yield str(environment.finalize(t_1(environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'message'))))
        yield '\n'
        if environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'branch'):
            pass
            yield 'Branch:    '
            yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'branch')))
            yield '\n'
        if environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'url'):
            pass
            yield 'Commit:    '
            yield str(environment.finalize(environment.getattr(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'revision'), 'url')))
            yield '\n'
    yield 'Requested: '
    yield str(environment.finalize((environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'requester') or 'not known to Greenlight')))
    yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'trigger'):
        pass
        yield 'Trigger:   '
        yield str(environment.finalize(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'trigger')))
        yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'execution_id'):
        pass
        yield 'Execution: '
        yield str(environment.finalize(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'execution_id')))
        yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'custom_data'):
        pass
        yield 'Details:   '
        yield str(environment.finalize(t_1(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'custom_data'))))
        yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'external_entity_link'):
        pass
        yield 'Review:    '
        yield str(environment.finalize(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'external_entity_link')))
        yield '\n'
    if environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'console_link'):
        pass
        yield 'Console:   '
        yield str(environment.finalize(environment.getattr((undefined(name='context') if l_0_context is missing else l_0_context), 'console_link')))
        yield '\n'
    yield 'Expires:   '
    yield str(environment.finalize(t_2((undefined(name='expires') if l_0_expires is missing else l_0_expires))))
    yield '\n'

blocks = {}
debug_info = '1=33&6=40&8=42&10=44&13=46&15=48&19=51&20=53&25=56&26=58&27=60&28=62&29=65&31=71&32=74&34=76&35=79&38=82&39=84&40=87&42=89&43=92&45=94&46=97&48=99&49=102&51=104&52=107&54=110'