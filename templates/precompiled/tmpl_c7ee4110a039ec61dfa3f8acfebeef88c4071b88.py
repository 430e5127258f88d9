from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_context.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_context_rows = missing
    try:
        t_1 = environment.filters['soft_breaks']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'soft_breaks' found.")
    try:
        t_2 = environment.filters['time_tag']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'time_tag' found.")
    pass
    def macro(l_1_pipeline, l_1_stage, l_1_action, l_1_context, l_1_expires):
        t_3 = []
        if l_1_pipeline is missing:
            l_1_pipeline = undefined("parameter 'pipeline' was not provided", name='pipeline')
        if l_1_stage is missing:
            l_1_stage = undefined("parameter 'stage' was not provided", name='stage')
        if l_1_action is missing:
            l_1_action = undefined("parameter 'action' was not provided", name='action')
        if l_1_context is missing:
            l_1_context = undefined("parameter 'context' was not provided", name='context')
        if l_1_expires is missing:
            l_1_expires = undefined("parameter 'expires' was not provided", name='expires')
        pass
        t_3.extend((
            '<tr><th scope="row" align="left" class="label">Pipeline</th><td class="value">',
            escape(environment.finalize(l_1_pipeline)),
            '</td></tr>\n<tr><th scope="row" align="left" class="label">Stage</th><td class="value">',
            escape(environment.finalize(l_1_stage)),
            ' / ',
            escape(environment.finalize(l_1_action)),
            '</td></tr>\n',
        ))
        if environment.getattr(l_1_context, 'revision'):
            pass
            t_3.append(
                '<tr><th scope="row" align="left" class="label">Revision</th><td class="value">',
            )
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'url'):
                pass
                t_3.extend((
                    '<a href="',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'url'))),
                    '"><code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'short_id'))),
                    '</code></a>',
                ))
            else:
                pass
                t_3.extend((
                    '<code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'short_id'))),
                    '</code>',
                ))
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'message'):
                pass
                t_3.extend((
                    ' ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'message'))),
                ))
            t_3.append(
                '</td></tr>\n',
            )
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'branch'):
                pass
                t_3.extend((
                    '<tr><th scope="row" align="left" class="label">Branch</th><td class="value"><code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'branch'))),
                    '</code>',
                ))
                if environment.getattr(environment.getattr(l_1_context, 'revision'), 'repository'):
                    pass
                    t_3.extend((
                        ' in ',
                        escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'repository'))),
                    ))
                t_3.append(
                    '</td></tr>\n',
                )
        if environment.getattr(l_1_context, 'requester'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Requested by</th><td class="value">',
                escape(environment.finalize(t_1(environment.getattr(l_1_context, 'requester')))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'trigger'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Trigger</th><td class="value">',
                escape(environment.finalize(t_1(environment.getattr(l_1_context, 'trigger')))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'execution_id'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Execution</th><td class="value"><code>',
                escape(environment.finalize(environment.getattr(l_1_context, 'execution_id'))),
                '</code></td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'custom_data'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Details</th><td class="value">',
                escape(environment.finalize(environment.getattr(l_1_context, 'custom_data'))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'external_entity_link'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Review</th><td class="value"><a href="',
                escape(environment.finalize(environment.getattr(l_1_context, 'external_entity_link'))),
                '">',
                escape(environment.finalize(environment.getattr(l_1_context, 'external_entity_link'))),
                '</a></td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'console_link'):
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Console</th><td class="value"><a href="',
                escape(environment.finalize(environment.getattr(l_1_context, 'console_link'))),
                '">',
                escape(environment.finalize(l_1_pipeline)),
                ' in the CodePipeline console</a></td></tr>\n',
            ))
        if l_1_expires:
            pass
            t_3.extend((
                '<tr><th scope="row" align="left" class="label">Expires</th><td class="value">',
                escape(environment.finalize(t_2(l_1_expires))),
                '</td></tr>\n',
            ))
        return concat(t_3)
    context.exported_vars.add('context_rows')
    context.vars['context_rows'] = l_0_context_rows = Macro(environment, macro, 'context_rows', ('pipeline', 'stage', 'action', 'context', 'expires'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '5=24&6=39&7=41&8=46&9=51&10=76&11=80&14=92&15=96&17=99&18=103&20=106&21=110&23=113&24=117&26=120&27=124&29=129&30=133&32=138&33=142'