from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/escalation.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_record = resolve('record')
    l_0_console_link = resolve('console_link')
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
    yield 'Approval about to expire: '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '\n\n'
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield ' / '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'stage')))
    yield ' / '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'action')))
    yield ' has waited since\n'
    yield str(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'sent_at'))))
    yield ' and expires at '
    yield str(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'expires_at'))))
    yield '.\n\nApprovals: '
    yield str(environment.finalize(t_2(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals'))))
    yield ' of '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed')))
    yield ' needed.\n'
    template = environment.get_template('email/_tally.txt.j2', 'email/escalation.txt.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield 'Waiting for: '
    yield str(environment.finalize(t_1(context.eval_ctx, context.call(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'waiting_on')), ', ')))
    yield '\n\n'
    if (undefined(name='console_link') if l_0_console_link is missing else l_0_console_link):
        pass
        yield 'Pipeline in the console: '
        yield str(environment.finalize((undefined(name='console_link') if l_0_console_link is missing else l_0_console_link)))
        yield '\n'
    yield 'You receive this as an escalation contact of this approval.\n'

blocks = {}
debug_info = '1=32&3=34&4=40&6=44&7=48&8=55&10=57&11=60'