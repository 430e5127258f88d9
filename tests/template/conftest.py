"""The transformed template and the functions' logical ids, as tests/test_template.py has them."""

from tests.test_template import cfn, decide, notify, remind, sam_template

__all__ = ["cfn", "decide", "notify", "remind", "sam_template"]
