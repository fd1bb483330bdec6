"""Monthly statements: the document (``document``), its forecast (``forecast``) and its forms
(``render``: text, JSON, HTML with a chart)."""
