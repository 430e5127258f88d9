from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/approval.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_request = resolve('request')
    l_0_reminder = resolve('reminder')
    l_0_needed_line = resolve('needed_line')
    l_0_context = resolve('context')
    l_0_expires = resolve('expires')
    l_0_approve_url = resolve('approve_url')
    l_0_reject_url = resolve('reject_url')
    l_0_self_requested = resolve('self_requested')
    l_0_note = resolve('note')
    l_0_approver = resolve('approver')
    l_0_context_rows = missing
    try:
        t_1 = environment.filters['cell_styles']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'cell_styles' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>Approval needed: '
    yield escape(environment.finalize(environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'pipeline')))
    yield '</title>\n</head>\n<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#1d2129;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">\n<tr><td align="center" style="padding:16px 8px;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #dde1e6;">\n<tr><td style="padding:20px 20px 8px 20px;">\n<p style="margin:0 0 4px 0;font-size:13px;color:#5b6470;">Greenlight &middot; CodePipeline approval</p>\n<h1 style="margin:0;font-size:20px;line-height:1.3;word-break:break-word;">'
    if (undefined(name='reminder') if l_0_reminder is missing else l_0_reminder):
        pass
        yield 'Reminder: '
    yield escape(environment.finalize(environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'pipeline')))
    yield ' is waiting for approval</h1>\n<p class="needed" style="margin:8px 0 0 0;font-size:15px;line-height:1.45;word-break:break-word;"><strong>'
    yield escape(environment.finalize((undefined(name='needed_line') if l_0_needed_line is missing else l_0_needed_line)))
    yield '</strong></p>\n</td></tr>\n<tr><td style="padding:8px 20px;">\n'
    included_template = environment.get_template('_context.html.j2', 'email/approval.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 18 in 'email/approval.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    yield '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:15px;line-height:1.45;">\n'
    yield escape(environment.finalize(t_1(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'pipeline'), environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'stage'), environment.getattr((undefined(name='request') if l_0_request is missing else l_0_request), 'action'), (undefined(name='context') if l_0_context is missing else l_0_context), (undefined(name='expires') if l_0_expires is missing else l_0_expires)), 'padding:6px 8px 6px 0;color:#5b6470;vertical-align:top;white-space:nowrap;', 'padding:6px 0;vertical-align:top;word-break:break-word;')))
    yield '\n</table>\n</td></tr>\n<tr><td style="padding:16px 20px 8px 20px;">\n<table role="presentation" cellpadding="0" cellspacing="0" width="100%"><tr>\n<td style="padding:0 6px 12px 0;" width="50%"><a href="'
    yield escape(environment.finalize((undefined(name='approve_url') if l_0_approve_url is missing else l_0_approve_url)))
    yield '" style="display:block;text-align:center;background:#1a7f37;color:#ffffff;text-decoration:none;font-weight:600;font-size:16px;padding:14px 10px;border-radius:6px;">Approve</a></td>\n<td style="padding:0 0 12px 6px;" width="50%"><a href="'
    yield escape(environment.finalize((undefined(name='reject_url') if l_0_reject_url is missing else l_0_reject_url)))
    yield '" style="display:block;text-align:center;background:#ffffff;color:#b42318;text-decoration:none;font-weight:600;font-size:16px;padding:13px 10px;border-radius:6px;border:1px solid #b42318;">Reject</a></td>\n</tr></table>\n</td></tr>\n<tr><td style="padding:0 20px 20px 20px;font-size:13px;line-height:1.5;color:#5b6470;">\n'
    if (undefined(name='self_requested') if l_0_self_requested is missing else l_0_self_requested):
        pass
        yield '<strong>You asked for this run, so your approval will not count; you may still reject it.</strong><br><br>'
    if (undefined(name='note') if l_0_note is missing else l_0_note):
        pass
        yield '<strong>'
        yield escape(environment.finalize((undefined(name='note') if l_0_note is missing else l_0_note)))
        yield '</strong><br><br>'
    yield 'These links are for <strong>'
    yield escape(environment.finalize((undefined(name='approver') if l_0_approver is missing else l_0_approver)))
    yield '</strong> only. Opening one decides nothing: the page asks you to confirm, and a reason is needed to reject.\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n'

blocks = {}
debug_info = '6=29&14=31&15=36&18=38&20=45&25=47&26=49&30=51'