from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'pages/problem.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    l_0_context_rows = l_0_tally = missing
    pass
    parent_template = environment.get_template('pages/base.html.j2', 'pages/problem.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    included_template = environment.get_template('_context.html.j2', 'pages/problem.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 2 in 'pages/problem.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    included_template = environment.get_template('_tally.html.j2', 'pages/problem.html.j2')._get_default_module(context)
    l_0_tally = getattr(included_template, 'tally', missing)
    if l_0_tally is missing:
        l_0_tally = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'pages/problem.html.j2') does not export the requested name 'tally'", name='tally')
    context.vars['tally'] = l_0_tally
    context.exported_vars.discard('tally')
    yield from parent_template.root_render_func(context)

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_title = resolve('title')
    pass
    yield escape(environment.finalize((undefined(name='title') if l_0_title is missing else l_0_title)))

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_title = resolve('title')
    l_0_tone = resolve('tone')
    l_0_message = resolve('message')
    l_0_outcome = resolve('outcome')
    l_0_tally = resolve('tally')
    l_0_record = resolve('record')
    l_0_claims = resolve('claims')
    l_0_context_rows = resolve('context_rows')
    try:
        t_1 = environment.filters['time_tag']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'time_tag' found.")
    pass
    yield '<h1>'
    yield escape(environment.finalize((undefined(name='title') if l_0_title is missing else l_0_title)))
    yield '</h1>\n<p class="notice '
    yield escape(environment.finalize((undefined(name='tone') if l_0_tone is missing else l_0_tone)))
    yield '" role="alert">'
    yield escape(environment.finalize((undefined(name='message') if l_0_message is missing else l_0_message)))
    yield '</p>\n'
    if ((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome) and ((environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'summary') or environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'updated_by')) or environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'changed_at'))):
        pass
        yield '<table>\n'
        if environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'status'):
            pass
            yield '<tr><th scope="row" class="label">Status</th><td class="value">'
            yield escape(environment.finalize(environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'status')))
            yield '</td></tr>'
        if environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'summary'):
            pass
            yield '<tr><th scope="row" class="label">Summary</th><td class="value">'
            yield escape(environment.finalize(environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'summary')))
            yield '</td></tr>'
        if environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'updated_by'):
            pass
            yield '<tr><th scope="row" class="label">By</th><td class="value">'
            yield escape(environment.finalize(environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'updated_by')))
            yield '</td></tr>'
        if environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'changed_at'):
            pass
            yield '<tr><th scope="row" class="label">When</th><td class="value">'
            yield escape(environment.finalize(t_1(environment.getattr((undefined(name='outcome') if l_0_outcome is missing else l_0_outcome), 'changed_at'))))
            yield '</td></tr>'
        yield '</table>\n'
    yield escape(environment.finalize(context.call((undefined(name='tally') if l_0_tally is missing else l_0_tally), (undefined(name='record') if l_0_record is missing else l_0_record), _block_vars=_block_vars)))
    yield '\n'
    if (undefined(name='claims') if l_0_claims is missing else l_0_claims):
        pass
        yield '<table>\n'
        yield escape(environment.finalize(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'stage'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'action'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), None, _block_vars=_block_vars)))
        yield '\n</table>\n'
    yield '<p class="who">Nothing was decided by opening this page.</p>\n'

blocks = {'title': block_title, 'content': block_content}
debug_info = '1=13&2=16&3=22&4=30&5=41&6=64&7=66&8=70&10=73&11=78&12=83&13=88&16=94&17=96&19=99'