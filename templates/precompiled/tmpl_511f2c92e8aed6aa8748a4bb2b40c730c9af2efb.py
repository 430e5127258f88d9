from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/outcome.txt.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_headline = resolve('headline')
    l_0_record = resolve('record')
    l_0_explanation = resolve('explanation')
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
    yield 'Outcome:   '
    yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'status')))
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'summary'):
        pass
        yield ' ('
        yield str(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'summary')))
        yield ')'
    yield '\n'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'votes'):
        pass
        yield '\nVotes:\n'
        template = environment.get_template('email/_tally.txt.j2', 'email/outcome.txt.j2')
        gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
        try:
            for event in gen:
                yield event
        finally: gen.close()
    yield '\n'
    yield str(environment.finalize((undefined(name='explanation') if l_0_explanation is missing else l_0_explanation)))
    yield '\n'

blocks = {}
debug_info = '1=14&3=16&4=18&5=22&6=25&8=28&10=35&13=38&16=45'