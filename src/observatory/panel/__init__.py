"""Citizens' panel: a fair, verifiable, stratified lottery (pure core in ``lottery`` and ``draw``)."""
