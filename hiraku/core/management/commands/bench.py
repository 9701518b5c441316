"""`hiraku bench <what>`: run one domain's benchmark.

Each domain keeps its benchmark in its own module, which provides
`add_arguments(parser)` and `main(options, stdout)`. Register new ones in
BENCHMARKS; benchmarks build their data in scratch space, never in the
deployment's own data.
"""

from __future__ import annotations

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {
    "search": "hiraku.search.bench",
    "harvest": "hiraku.harvest.bench",
    "datastore": "hiraku.datastore.bench_query",
    "ingest": "hiraku.datastore.bench",
    "validate": "hiraku.quality.bench",
}


class Command(BaseCommand):
    help = "Run a benchmark on synthetic data in scratch space (never the deployment's data)."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="what", metavar="{" + ",".join(BENCHMARKS) + "}")
        subparsers.required = True
        for name, module_path in BENCHMARKS.items():
            module = import_module(module_path)
            # Django's parser class keeps the command's error handling in subcommands too.
            subparser = subparsers.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0],
                                              called_from_command_line=getattr(parser, "called_from_command_line",
                                                                               None))
            module.add_arguments(subparser)

    def handle(self, *args, what: str, **options):
        if what not in BENCHMARKS:
            raise CommandError(f"unknown benchmark {what!r}; choose from {', '.join(BENCHMARKS)}")
        import_module(BENCHMARKS[what]).main(options, self.stdout)
