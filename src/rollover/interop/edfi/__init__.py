"""Ed-Fi 5.2 bulk XML (docs/interop.md, sections 1 and 2): the namespace, the shipped schemas,
descriptor values, and the grade map shared by the import and the export."""

NAMESPACE = "http://ed-fi.org/5.2.0"
DESCRIPTOR_PREFIX = "uri://ed-fi.org/"
