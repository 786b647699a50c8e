"""pytest plugin loaded for nbval runs (`-p tests.nbval_hooks`): what is not compared."""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        # stderr carries warnings and progress bars that differ run to run;
        # widget views carry random model ids; html duplicates the text output.
        collector.skip_compare += (
            "stderr",
            "text/html",
            "application/javascript",
            "application/vnd.jupyter.widget-view+json",
        )
