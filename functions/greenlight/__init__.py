"""Greenlight: signed email approvals for AWS CodePipeline manual approval actions."""
