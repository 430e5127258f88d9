from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'pages/review.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    l_0_claims = resolve('claims')
    l_0_context_rows = l_0_tally = l_0_verb = missing
    pass
    parent_template = environment.get_template('pages/base.html.j2', 'pages/review.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    included_template = environment.get_template('_context.html.j2', 'pages/review.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 2 in 'pages/review.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    included_template = environment.get_template('_tally.html.j2', 'pages/review.html.j2')._get_default_module(context)
    l_0_tally = getattr(included_template, 'tally', missing)
    if l_0_tally is missing:
        l_0_tally = undefined(f"the template {included_template.__name__!r} (imported on line 3 in 'pages/review.html.j2') does not export the requested name 'tally'", name='tally')
    context.vars['tally'] = l_0_tally
    context.exported_vars.discard('tally')
    l_0_verb = ('Approve' if (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'approve') else 'Reject')
    context.vars['verb'] = l_0_verb
    context.exported_vars.add('verb')
    yield from parent_template.root_render_func(context)

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_verb = resolve('verb')
    l_0_claims = resolve('claims')
    pass
    yield escape(environment.finalize((undefined(name='verb') if l_0_verb is missing else l_0_verb)))
    yield ' '
    yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline')))

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_verb = resolve('verb')
    l_0_claims = resolve('claims')
    l_0_error = resolve('error')
    l_0_needed_line = resolve('needed_line')
    l_0_started_line = resolve('started_line')
    l_0_tally = resolve('tally')
    l_0_record = resolve('record')
    l_0_form_token = resolve('form_token')
    l_0_needs_reason = resolve('needs_reason')
    l_0_max_comment = resolve('max_comment')
    l_0_comment = resolve('comment')
    l_0_switch_link = resolve('switch_link')
    l_0_context_rows = resolve('context_rows')
    pass
    yield '<h1>'
    yield escape(environment.finalize((undefined(name='verb') if l_0_verb is missing else l_0_verb)))
    yield ' '
    yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline')))
    yield '?</h1>\n'
    if (undefined(name='error') if l_0_error is missing else l_0_error):
        pass
        yield '<p class="notice error" role="alert">'
        yield escape(environment.finalize((undefined(name='error') if l_0_error is missing else l_0_error)))
        yield '</p>'
    yield '<p class="summary">'
    yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'stage')))
    yield ' / '
    yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'action')))
    if environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'):
        pass
        yield ' · <code>'
        yield escape(environment.finalize(environment.getattr(environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'), 'short_id')))
        yield '</code>'
        if environment.getattr(environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'), 'branch'):
            pass
            yield ' on <code>'
            yield escape(environment.finalize(environment.getattr(environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'), 'branch')))
            yield '</code>'
        if environment.getattr(environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'), 'message'):
            pass
            yield ': '
            yield escape(environment.finalize(environment.getattr(environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), 'revision'), 'message')))
    yield '</p>\n'
    if (undefined(name='needed_line') if l_0_needed_line is missing else l_0_needed_line):
        pass
        yield '<p class="needed"><strong>'
        yield escape(environment.finalize((undefined(name='needed_line') if l_0_needed_line is missing else l_0_needed_line)))
        yield '</strong></p>'
    yield '<p class="who started">'
    yield escape(environment.finalize((undefined(name='started_line') if l_0_started_line is missing else l_0_started_line)))
    yield '</p>\n'
    yield escape(environment.finalize(context.call((undefined(name='tally') if l_0_tally is missing else l_0_tally), (undefined(name='record') if l_0_record is missing else l_0_record), _block_vars=_block_vars)))
    yield '\n<p class="who">This link belongs to <strong>'
    yield escape(environment.finalize(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'approver')))
    yield '</strong>. Your decision is recorded in CodePipeline under that address. The details are below the form.</p>\n<form method="post" accept-charset="utf-8">\n<input type="hidden" name="form_token" value="'
    yield escape(environment.finalize((undefined(name='form_token') if l_0_form_token is missing else l_0_form_token)))
    yield '">\n'
    if (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'reject'):
        pass
        if (undefined(name='needs_reason') if l_0_needs_reason is missing else l_0_needs_reason):
            pass
            yield '<label for="comment">Reason for rejecting (required)</label>\n<textarea id="comment" name="comment" maxlength="'
            yield escape(environment.finalize((undefined(name='max_comment') if l_0_max_comment is missing else l_0_max_comment)))
            yield '" required>'
            yield escape(environment.finalize((undefined(name='comment') if l_0_comment is missing else l_0_comment)))
            yield '</textarea>\n'
        else:
            pass
            yield '<label for="comment">Reason for rejecting</label>\n<textarea id="comment" name="comment" maxlength="'
            yield escape(environment.finalize((undefined(name='max_comment') if l_0_max_comment is missing else l_0_max_comment)))
            yield '">'
            yield escape(environment.finalize((undefined(name='comment') if l_0_comment is missing else l_0_comment)))
            yield '</textarea>\n'
        yield '<p class="hint">The reason is recorded with the rejection and stops this run of the pipeline.</p>\n<button type="submit" class="reject">Reject</button>\n'
    else:
        pass
        yield '<label for="comment">Comment (optional)</label>\n<textarea id="comment" name="comment" maxlength="'
        yield escape(environment.finalize((undefined(name='max_comment') if l_0_max_comment is missing else l_0_max_comment)))
        yield '">'
        yield escape(environment.finalize((undefined(name='comment') if l_0_comment is missing else l_0_comment)))
        yield '</textarea>\n<p class="hint">Approving lets this run of the pipeline continue.</p>\n<button type="submit" class="approve">Approve</button>\n'
    yield '</form>\n'
    if (undefined(name='switch_link') if l_0_switch_link is missing else l_0_switch_link):
        pass
        yield '<p class="switch">Changed your mind? <a href="'
        yield escape(environment.finalize((undefined(name='switch_link') if l_0_switch_link is missing else l_0_switch_link)))
        yield '" rel="nofollow">'
        yield escape(environment.finalize(('Reject' if (environment.getattr(environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'decision'), 'value') == 'approve') else 'Approve')))
        yield " instead</a>. Nothing is decided until you submit that page's form.</p>\n"
    yield '<table>\n'
    yield escape(environment.finalize(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'pipeline'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'stage'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'action'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'context'), environment.getattr((undefined(name='claims') if l_0_claims is missing else l_0_claims), 'expires'), _block_vars=_block_vars)))
    yield '\n</table>\n'

blocks = {'title': block_title, 'content': block_content}
debug_info = '1=14&2=17&3=23&4=29&5=34&6=48&7=70&8=74&9=80&10=98&11=104&12=106&13=108&15=110&16=112&17=114&19=117&22=124&28=132&33=137&34=140&37=145'