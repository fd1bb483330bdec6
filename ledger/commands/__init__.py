"""The write side: command models (:mod:`.models`), the one door for writes (:mod:`.bus`), its units of
work (:mod:`.unit_of_work`) and the handlers it dispatches to (:mod:`.handlers`), one module per subject.
"""
