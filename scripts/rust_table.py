"""The one form of a generated Rust table, shared by the gen-*.py scripts: an optional `///` doc
line, `pub const NAME: &[TYPE] = &[`, one row a line, `];`."""


def rust_table(name, ty, rows, doc=None):
    """The table's lines (without newlines); `rows` are the Rust tuple literals."""
    lines = [f"/// {doc}"] if doc is not None else []
    lines.append(f"pub const {name}: &[{ty}] = &[")
    lines += [f"    {row}," for row in rows]
    lines.append("];")
    return lines
