from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/escalation.html.j2'

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
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>Approval about to expire: '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '</title>\n</head>\n<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#1d2129;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">\n<tr><td align="center" style="padding:16px 8px;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #dde1e6;">\n<tr><td style="padding:20px;font-size:15px;line-height:1.5;">\n<p style="margin:0 0 4px 0;font-size:13px;color:#5b6470;">Greenlight &middot; CodePipeline approval</p>\n<h1 style="margin:0 0 12px 0;font-size:20px;line-height:1.3;word-break:break-word;">Approval about to expire: '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '</h1>\n<p style="margin:0 0 12px 0;">'
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield ' / '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'stage')))
    yield ' / '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'action')))
    yield ' has waited since '
    yield escape(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'sent_at'))))
    yield ' and expires at <strong>'
    yield escape(environment.finalize(t_3(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'expires_at'))))
    yield '</strong>.</p>\n<p style="margin:0 0 12px 0;">Approvals: '
    yield escape(environment.finalize(t_2(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals'))))
    yield ' of '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals_needed')))
    yield ' needed. Waiting for: '
    yield escape(environment.finalize(t_1(context.eval_ctx, context.call(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'waiting_on')), ', ')))
    yield '.</p>\n'
    if (undefined(name='console_link') if l_0_console_link is missing else l_0_console_link):
        pass
        yield '<p style="margin:0 0 12px 0;"><a href="'
        yield escape(environment.finalize((undefined(name='console_link') if l_0_console_link is missing else l_0_console_link)))
        yield '">Open the pipeline in the console</a></p>'
    yield '<p style="margin:0;font-size:13px;color:#5b6470;">You receive this as an escalation contact of this approval.</p>\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n'

blocks = {}
debug_info = '6=32&14=34&15=36&16=46&17=52'