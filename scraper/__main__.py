from scraper.cli import cli

cli(prog_name="forum-scraper")
