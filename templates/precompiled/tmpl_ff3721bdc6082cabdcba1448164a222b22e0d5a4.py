from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'email/outcome.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_headline = resolve('headline')
    l_0_explanation = resolve('explanation')
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
        t_2 = environment.filters['utc']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'utc' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>'
    yield escape(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '</title>\n</head>\n<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Roboto,Helvetica,Arial,sans-serif;color:#1d2129;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">\n<tr><td align="center" style="padding:16px 8px;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #dde1e6;">\n<tr><td style="padding:20px 20px 8px 20px;">\n<p style="margin:0 0 4px 0;font-size:13px;color:#5b6470;">Greenlight &middot; CodePipeline approval</p>\n<h1 style="margin:0;font-size:20px;line-height:1.3;word-break:break-word;">'
    yield escape(environment.finalize((undefined(name='headline') if l_0_headline is missing else l_0_headline)))
    yield '</h1>\n</td></tr>\n<tr><td style="padding:8px 20px;font-size:15px;line-height:1.5;">\n<p style="margin:0 0 12px 0;">'
    yield escape(environment.finalize((undefined(name='explanation') if l_0_explanation is missing else l_0_explanation)))
    yield '</p>\n'
    included_template = environment.get_template('_context.html.j2', 'email/outcome.html.j2')._get_default_module(context)
    l_0_context_rows = getattr(included_template, 'context_rows', missing)
    if l_0_context_rows is missing:
        l_0_context_rows = undefined(f"the template {included_template.__name__!r} (imported on line 18 in 'email/outcome.html.j2') does not export the requested name 'context_rows'", name='context_rows')
    context.vars['context_rows'] = l_0_context_rows
    context.exported_vars.discard('context_rows')
    yield '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="font-size:15px;line-height:1.45;">\n'
    yield escape(environment.finalize(t_1(context.call((undefined(name='context_rows') if l_0_context_rows is missing else l_0_context_rows), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'stage'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'action'), environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'context'), None), 'padding:6px 8px 6px 0;color:#5b6470;vertical-align:top;white-space:nowrap;', 'padding:6px 0;vertical-align:top;word-break:break-word;')))
    yield '\n'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'summary'):
        pass
        yield '<tr><th scope="row" align="left" style="padding:6px 8px 6px 0;color:#5b6470;vertical-align:top;white-space:nowrap;">Summary</th><td style="padding:6px 0;vertical-align:top;word-break:break-word;">'
        yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'summary')))
        yield '</td></tr>'
    yield '</table>\n'
    if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'votes'):
        pass
        yield '<p style="margin:12px 0 4px 0;font-weight:600;">Votes</p>\n<ul style="margin:0;padding-left:20px;">\n'
        for l_1_vote in environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'approvals'):
            _loop_vars = {}
            pass
            yield '<li>Approved by '
            yield escape(environment.finalize(environment.getattr(l_1_vote, 'approver')))
            yield ' at '
            yield escape(environment.finalize(t_2(environment.getattr(l_1_vote, 'at'))))
            if environment.getattr(l_1_vote, 'comment'):
                pass
                yield ': '
                yield escape(environment.finalize(environment.getattr(l_1_vote, 'comment')))
            yield '</li>\n'
        l_1_vote = missing
        if environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'):
            pass
            yield '<li>Rejected by '
            yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'approver')))
            yield ' at '
            yield escape(environment.finalize(t_2(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'at'))))
            yield ': '
            yield escape(environment.finalize(environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'comment')))
            if environment.getattr(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'rejection'), 'late'):
                pass
                yield ' (while the decision was being submitted)'
            yield '</li>'
        yield '</ul>\n'
    yield '</td></tr>\n<tr><td style="padding:8px 20px 20px 20px;font-size:13px;color:#5b6470;">Sent to '
    yield escape(environment.finalize((undefined(name='recipient') if l_0_recipient is missing else l_0_recipient)))
    yield ' because you approve or follow '
    yield escape(environment.finalize(environment.getattr((undefined(name='record') if l_0_record is missing else l_0_record), 'pipeline')))
    yield '.</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>\n'

blocks = {}
debug_info = '6=29&14=31&17=33&18=35&20=42&21=44&23=50&26=53&28=66&32=80'