"""An import-linter contract type the built-in ones lack: an allow-list of outside packages.

`forbidden` can only name what a package must not import; the core's rule is the other way
round ("the standard library and lunardate, nothing else"), so a new dependency added to
membership/ breaks the contract without anyone having to think of listing it first.
Registered in pyproject.toml's [tool.importlinter] as `allowlist`.
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class ExternalAllowListContract(Contract):
    """Modules in `source_modules` import nothing from outside the project but the standard
    library and `allowed_modules` (top-level names).

    Needs `include_external_packages = true` so that outside packages are in the graph."""

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = set(self.allowed_modules) | set(sys.stdlib_module_names)
        roots = {module.name.split(".")[0] for module in self.source_modules}
        project = set(self.session_options["root_packages"])
        offending = []
        for root in sorted(roots):
            for importer in sorted(graph.find_descendants(root) | {root}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    top = imported.split(".")[0]
                    if top in project or top in allowed:
                        continue
                    offending.append((importer, imported))
        output.verbose_print(verbose, f"{len(offending)} import(s) outside the allow-list")
        return ContractCheck(kept=not offending, metadata={"offending": offending})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported in check.metadata["offending"]:
            output.print_error(f"{importer} imports {imported}, which is not allowed here")
        output.new_line()
