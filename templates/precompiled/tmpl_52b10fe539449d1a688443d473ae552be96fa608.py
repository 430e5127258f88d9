from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/unmeetable.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_headline = resolve('headline')
    l_0_record = resolve('record')
    l_0_recipient = resolve('recipient')
    l_0_context_rows = missing
    try:
        t_1 = environment.filters['cell_styles']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'cell_styles' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_3 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>'
    yield escape(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '</title>\n</head>\n<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#1d2129;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">\n<tr><td align="center" style="padding:16px 8px;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #dde1e6;">\n<tr><td style="padding:20px 20px 8px 20px;">\n<p style="margin:0 0 4px 0;font-size:13px;color:#5b6470;">Greenlight &middot; CodePipeline approval</p>\n<h1 style="margin:0;font-size:20px;line-height:1.3;word-break:break-word;">'
    yield escape(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '</h1>\n</td></tr>\n<tr><td style="padding:8px 20px;font-size:15px;line-height:1.5;">\n<p style="margin:0 0 12px 0;">This approval needs '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed')))
    yield ' approvals from different approvers'
    if (environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed') > environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')):
        pass
        yield " (one more than the rule's "
        yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'min_approvals')))
        yield ', because Greenlight cannot tell who asked for the run)'
    yield ', but only '
    yield escape(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'eligible'))))
    yield ' of its '
    yield escape(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvers'))))
    yield ' approvers may approve it'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requesters'):
        pass
        yield ': '
        yield escape(environment.finalize(t_2(context.eval_ctx, environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'requesters'), ', ')))
        yield ' asked for the run and cannot approve it'
    yield '.</p>\n<p style="margin:0 0 12px 0;">Nobody can complete it. It can still be rejected; otherwise it expires. The request keeps the approvers it was sent with: change the rule for later runs.</p>\n'
    included_template = environment.get_template('_context.html.j2', 'email/unmeetable.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 19 in 'email/unmeetable.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    yield '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:15px;line-height:1.45;">\n'
    yield escape(environment.finalize(t_1(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'stage'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'action'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'context'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'expires_at')), 'padding:6px 8px 6px 0;color:#5b6470;vertical-align:top;white-space:nowrap;', 'padding:6px 0;vertical-align:top;word-break:break-word;')))
    yield '\n<tr><th scope="row" align="left" style="padding:6px 8px 6px 0;color:#5b6470;vertical-align:top;white-space:nowrap;">Rule</th><td style="padding:6px 0;vertical-align:top;word-break:break-word;">'
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rule')))
    yield '</td></tr>\n</table>\n</td></tr>\n<tr><td style="padding:8px 20px 20px 20px;font-size:13px;color:#5b6470;">Sent to '
    yield escape(environment.finalize((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient)))
    yield ' because you approve or follow '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '.</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n'

blocks = {}
debug_info = '6=34&14=36&17=38&19=56&21=63&22=65&25=67'