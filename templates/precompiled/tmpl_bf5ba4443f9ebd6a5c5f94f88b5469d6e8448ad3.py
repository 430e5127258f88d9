from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'pages/signin-problem.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('pages/base.html.j2', 'pages/signin-problem.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
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
    l_0_reason = resolve('reason')
    l_0_message = resolve('message')
    l_0_signed_in_as = resolve('signed_in_as')
    l_0_link_for = resolve('link_for')
    l_0_retry_url = resolve('retry_url')
    pass
    yield '<h1>'
    yield escape(environment.finalize((undefined(name='title') if l_0_title is missing else l_0_title)))
    yield '</h1>\n<p class="notice '
    yield escape(environment.finalize(('info' if ((undefined(name='reason') if l_0_reason is missing else l_0_reason) in ('sign-in-required', 'sign-in-too-old', 'login-required')) else 'error')))
    yield '" role="alert">'
    yield escape(environment.finalize((undefined(name='message') if l_0_message is missing else l_0_message)))
    yield '</p>\n'
    if ((undefined(name='signed_in_as') if l_0_signed_in_as is missing else l_0_signed_in_as) and (undefined(name='link_for') if l_0_link_for is missing else l_0_link_for)):
        pass
        yield '<table>\n<tr><th scope="row" class="label">Signed in as</th><td class="value">'
        yield escape(environment.finalize((undefined(name='signed_in_as') if l_0_signed_in_as is missing else l_0_signed_in_as)))
        yield '</td></tr>\n<tr><th scope="row" class="label">Link sent to</th><td class="value">'
        yield escape(environment.finalize((undefined(name='link_for') if l_0_link_for is missing else l_0_link_for)))
        yield '</td></tr>\n</table>\n<p>To vote with this link, sign out of your identity provider (or open a private window) and sign in as '
        yield escape(environment.finalize((undefined(name='link_for') if l_0_link_for is missing else l_0_link_for)))
        yield '.</p>\n'
    if (undefined(name='retry_url') if l_0_retry_url is missing else l_0_retry_url):
        pass
        yield '<p><a href="'
        yield escape(environment.finalize((undefined(name='retry_url') if l_0_retry_url is missing else l_0_retry_url)))
        yield '">Sign in again</a></p>\n'
    if ((undefined(name='reason') if l_0_reason is missing else l_0_reason) != 'identity-mismatch'):
        pass
        yield '<p class="who">Nothing was decided.</p>'

blocks = {'title': block_title, 'content': block_content}
debug_info = '1=12&2=17&3=28&4=43&5=45&6=49&8=52&9=54&11=56&13=58&14=61&16=63'