from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'pages/result.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    l_0_decided = resolve('decided')
    l_0_claims = resolve('claims')
    l_0_heading = resolve('heading')
    l_0_record = resolve('record')
    l_0_context_rows = l_0_tally = missing
    try:
        t_1 = environment.filters['format']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'format' found.")
    try:
        t_2 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    parent_template = environment.get_template('pages/base.html.j2', 'pages/result.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    included_template = environment.get_template('_context.html.j2', 'pages/result.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 2 in 'pages/result.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    included_template = environment.get_template('_tally.html.j2', 'pages/result.html.j2')._get_default_module(context)
    l_0_tally = getattr(included_template, 'tally', missing)
    if l_0_tally is missing:
        l_0_tally = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'pages/result.html.j2') does not export the requested name 'tally'", name='tally')
    context.vars['tally'] = l_0_tally
    context.exported_vars.discard('tally')
    if (undefined(name='decided') if l_0_decided is missing else l_0_decided):
        pass
        l_0_heading = environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'past_tense')
        context.vars['heading'] = l_0_heading
        context.exported_vars.add('heading')
    elif (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'reject'):
        pass
        l_0_heading = 'Rejection recorded'
        context.vars['heading'] = l_0_heading
        context.exported_vars.add('heading')
    elif (undefined(name='record') if l_0_record is missing else l_0_record):
        pass
        l_0_heading = t_1('Vote recorded: %d of %d approval%s', t_2(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals')), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed'), ('s' if (environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed') != 1) else ''))
        context.vars['heading'] = l_0_heading
        context.exported_vars.add('heading')
    else:
        pass
        l_0_heading = 'Vote recorded'
        context.vars['heading'] = l_0_heading
        context.exported_vars.add('heading')
    yield from parent_template.root_render_func(context)

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_heading = resolve('heading')
    pass
    yield escape(environment.finalize((undefined(name='heading') if l_0_heading is missing else l_0_heading)))

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_heading = resolve('heading')
    l_0_decided = resolve('decided')
    l_0_claims = resolve('claims')
    l_0_others_in_progress = resolve('others_in_progress')
    l_0_record = resolve('record')
    l_0_tally = resolve('tally')
    l_0_context_rows = resolve('context_rows')
    l_0_summary = resolve('summary')
    try:
        t_3 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_2 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    yield '<h1>'
    yield escape(environment.finalize((undefined(name='heading') if l_0_heading is missing else l_0_heading)))
    yield '</h1>\n'
    if (undefined(name='decided') if l_0_decided is missing else l_0_decided):
        pass
        if ((environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'approve') and (undefined(name='others_in_progress') if l_0_others_in_progress is missing else l_0_others_in_progress)):
            pass
            yield '<p class="notice ok" role="status">CodePipeline recorded the approval. This approval is complete; the stage '
            yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'stage')))
            yield ' waits for its other '
            yield escape(environment.finalize(('action' if (t_2((undefined(name='others_in_progress') if l_0_others_in_progress is missing else l_0_others_in_progress)) == 1) else 'actions')))
            yield ' ('
            yield escape(environment.finalize(t_3(context.eval_ctx, (undefined(name='others_in_progress') if l_0_others_in_progress is missing else l_0_others_in_progress), ', ')))
            yield ') before this run of '
            yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline')))
            yield ' moves on.</p>\n'
        elif (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'approve'):
            pass
            yield '<p class="notice ok" role="status">CodePipeline recorded the approval. This run of '
            yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline')))
            yield ' moves on to its next step.</p>\n'
        else:
            pass
            yield '<p class="notice error" role="status">CodePipeline recorded the rejection. This run of '
            yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline')))
            yield ' stops here.</p>\n'
    else:
        pass
        yield '<p class="notice info" role="status">'
        if (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'reject'):
            pass
            yield 'Your rejection is recorded while a decision is being submitted; it decides only if that submission fails.'
        elif ((undefined(name='record') if l_0_record is missing else l_0_record) and (environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'status') == 'deciding')):
            pass
            yield 'Your approval is recorded. Enough approvals are in; the approval is being submitted to CodePipeline now.'
        else:
            pass
            yield 'Your approval is recorded. More approvals are needed before the run moves on.'
        yield '</p>\n'
    yield escape(environment.finalize(context.call((undefined(name='tally') if l_0_tally is missing else l_0_tally), (undefined(name='record') if l_0_record is missing else l_0_record), _block_vars=_block_vars)))
    yield '\n<table>\n'
    yield escape(environment.finalize(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'stage'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'action'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), None, _block_vars=_block_vars)))
    yield '\n</table>\n'
    if (undefined(name='summary') if l_0_summary is missing else l_0_summary):
        pass
        yield '<p class="who">Recorded as: '
        yield escape(environment.finalize((undefined(name='summary') if l_0_summary is missing else l_0_summary)))
        yield '</p>'

blocks = {'title': block_title, 'content': block_content}
debug_info = '1=29&2=32&3=38&4=44&5=46&6=49&7=51&8=54&9=56&11=61&13=66&14=77&15=106&16=108&17=110&18=113&19=121&20=124&22=129&25=134&27=144&29=146&31=148'