from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = '_context.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_when = l_0_context_rows = missing
    try:
        t_1 = environment.filters['soft_breaks']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'soft_breaks' found.")
    try:
        t_2 = environment.filters['utc']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'utc' found.")
    pass
    def macro(l_1_value):
        t_3 = []
        if l_1_value is missing:
            l_1_value = undefined("parameter 'value' was not provided", name='value')
        pass
        t_3.extend((
            '<time datetime="',
            escape(environment.finalize(context.call(environment.getattr(l_1_value, 'strftime'), '%Y-%m-%dT%H:%M:%SZ'))),
            '">',
            escape(environment.finalize(t_2(l_1_value))),
            '</time>',
        ))
        return concat(t_3)
    context.exported_vars.add('when')
    context.vars['when'] = l_0_when = Macro(environment, macro, 'when', ('value',), False, False, False, context.eval_ctx.autoescape)
    def macro(l_1_pipeline, l_1_stage, l_1_action, l_1_context, l_1_expires, l_1_label_style, l_1_value_style):
        t_4 = []
        l_1_th = l_1_td = missing
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
        if l_1_label_style is missing:
            l_1_label_style = ''
        if l_1_value_style is missing:
            l_1_value_style = ''
        pass
        t_5 = []
        pass
        t_5.append(
            '<th scope="row" align="left"',
        )
        if l_1_label_style:
            pass
            t_5.extend((
                ' style="',
                escape(environment.finalize(l_1_label_style)),
                '"',
            ))
        t_5.append(
            ' class="label">',
        )
        l_1_th = (Markup if context.eval_ctx.autoescape else identity)(concat(t_5))
        t_6 = []
        pass
        t_6.append(
            '<td',
        )
        if l_1_value_style:
            pass
            t_6.extend((
                ' style="',
                escape(environment.finalize(l_1_value_style)),
                '"',
            ))
        t_6.append(
            ' class="value">',
        )
        l_1_td = (Markup if context.eval_ctx.autoescape else identity)(concat(t_6))
        t_4.extend((
            '<tr>',
            escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
            'Pipeline</th>',
            escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
            escape(environment.finalize(l_1_pipeline)),
            '</td></tr>\n<tr>',
            escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
            'Stage</th>',
            escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
            escape(environment.finalize(l_1_stage)),
            ' / ',
            escape(environment.finalize(l_1_action)),
            '</td></tr>\n',
        ))
        if environment.getattr(l_1_context, 'revision'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Revision</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
            ))
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'url'):
                pass
                t_4.extend((
                    '<a href="',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'url'))),
                    '"><code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'short_id'))),
                    '</code></a>',
                ))
            else:
                pass
                t_4.extend((
                    '<code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'short_id'))),
                    '</code>',
                ))
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'message'):
                pass
                t_4.extend((
                    ' ',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'message'))),
                ))
            t_4.append(
                '</td></tr>\n',
            )
            if environment.getattr(environment.getattr(l_1_context, 'revision'), 'branch'):
                pass
                t_4.extend((
                    '<tr>',
                    escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                    'Branch</th>',
                    escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                    '<code>',
                    escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'branch'))),
                    '</code>',
                ))
                if environment.getattr(environment.getattr(l_1_context, 'revision'), 'repository'):
                    pass
                    t_4.extend((
                        ' in ',
                        escape(environment.finalize(environment.getattr(environment.getattr(l_1_context, 'revision'), 'repository'))),
                    ))
                t_4.append(
                    '</td></tr>\n',
                )
        if environment.getattr(l_1_context, 'requester'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Requested by</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                escape(environment.finalize(t_1(environment.getattr(l_1_context, 'requester')))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'trigger'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Trigger</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                escape(environment.finalize(t_1(environment.getattr(l_1_context, 'trigger')))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'execution_id'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Execution</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                '<code>',
                escape(environment.finalize(environment.getattr(l_1_context, 'execution_id'))),
                '</code></td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'custom_data'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Details</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                escape(environment.finalize(environment.getattr(l_1_context, 'custom_data'))),
                '</td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'external_entity_link'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Review</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                '<a href="',
                escape(environment.finalize(environment.getattr(l_1_context, 'external_entity_link'))),
                '">',
                escape(environment.finalize(environment.getattr(l_1_context, 'external_entity_link'))),
                '</a></td></tr>\n',
            ))
        if environment.getattr(l_1_context, 'console_link'):
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Console</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                '<a href="',
                escape(environment.finalize(environment.getattr(l_1_context, 'console_link'))),
                '">',
                escape(environment.finalize(l_1_pipeline)),
                ' in the CodePipeline console</a></td></tr>\n',
            ))
        if l_1_expires:
            pass
            t_4.extend((
                '<tr>',
                escape(environment.finalize((undefined(name='th') if l_1_th is missing else l_1_th))),
                'Expires</th>',
                escape(environment.finalize((undefined(name='td') if l_1_td is missing else l_1_td))),
                escape(environment.finalize(context.call((undefined(name='when') if l_0_when is missing else l_0_when), l_1_expires))),
                '</td></tr>\n',
            ))
        return concat(t_4)
    context.exported_vars.add('context_rows')
    context.vars['context_rows'] = l_0_context_rows = Macro(environment, macro, 'context_rows', ('pipeline', 'stage', 'action', 'context', 'expires', 'label_style', 'value_style'), False, False, False, context.eval_ctx.autoescape)

blocks = {}
debug_info = '3=24&5=39&6=62&7=78&8=91&9=96&10=104&11=108&12=137&13=141&16=157&17=161&19=167&20=171&22=177&23=181&25=188&26=192&28=198&29=202&31=211&32=215&34=224&35=228'