"""The year-end modules' decisions (YE-12..YE-14 and the remaining modules), purely from rows in
memory: plain tuples and dataclasses in, `ChangeStep`s and `LogMessage`s out.  No database here;
`rollover.services.modules.<name>` reads the rows and hands back what these functions decide."""
