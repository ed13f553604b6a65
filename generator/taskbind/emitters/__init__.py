"""Emitters: one pure function per target, IR in, {relative path: text} out.

A new target is one module here plus a template folder, registered in TARGETS.
"""
