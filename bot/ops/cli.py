"""Staff and build commands: `python -m bot <command>` (see README)."""

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="validate knowledge/ and print a summary")
    sub.add_parser("build", help="validate knowledge/, build the spaCy pipeline and generated responses")
    train_parser = sub.add_parser("train", help="train a model if its inputs changed")
    train_parser.add_argument("--force", action="store_true")
    sub.add_parser("serve", help="run the action server and the Rasa server in the foreground")
    sub.add_parser("shell", help="the Rasa shell with the action server running")
    report = sub.add_parser("report", help="recent escalations and unanswered questions")
    report.add_argument("--days", type=int, default=7)
    retention = sub.add_parser("retention", help="delete conversations and audit rows older than --days")
    retention.add_argument("--days", type=int, default=None, help="default: RETENTION_DAYS, else 365")
    retention.add_argument("--dry-run", action="store_true", help="print the counts, delete nothing")
    staff = sub.add_parser("staff", help="staff accounts of the review page (python -m bot.staff)")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    for name, text in (
        ("add", "create an account (asks for the password twice)"),
        ("password", "set a new password (signs the account out everywhere)"),
        ("disable", "stop an account signing in (signs it out everywhere)"),
        ("enable", "let a disabled account sign in again"),
    ):
        one = staff_sub.add_parser(name, help=text)
        one.add_argument("username")
        if name in ("add", "password"):
            one.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    staff_sub.add_parser("list", help="the accounts")
    args = parser.parse_args(argv)

    if args.command == "staff":  # needs no knowledge/ either
        from bot.staff.cli import main as run_staff

        return run_staff(args)
    if args.command == "retention":  # needs no knowledge/: a cron job must not fail over a typo there
        from bot.ops.retention import main as run_retention

        return run_retention(days=args.days, dry_run=args.dry_run)

    from bot.core.knowledge import KnowledgeError, get_knowledge

    try:
        knowledge = get_knowledge()
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 2

    if args.command == "check":
        from bot.core.escalation import load_rules
        from bot.core.escalation.lexicon import load_lexicon

        try:
            rules = load_rules()
            lexicons = [load_lexicon(language, rules) for language in rules.languages]
        except KnowledgeError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"knowledge/ is valid: {len(knowledge.topics)} topics, contacts: {knowledge.contacts}")
        print(
            f"escalation: {len(rules.rules)} rules over {len(rules.concepts)} concepts; lexicons: "
            + ", ".join(lex.language for lex in lexicons)
        )
    elif args.command == "build":
        from bot.ops.build import domain_responses, spacy_pipeline, topic_intents

        print("spaCy pipeline:", "built" if spacy_pipeline.build() else "up to date")
        print("domain/generated_responses.yml:", "written" if domain_responses.write() else "up to date")
        print(
            "topic intents (domain/topics.yml, data/rules/topics.yml):",
            "written" if topic_intents.write() else "up to date",
        )
    elif args.command == "train":
        from bot.ops.training import train

        train(force=args.force)
    elif args.command == "serve":
        from bot.ops.serve import serve

        return serve()
    elif args.command == "shell":
        from bot.ops.serve import shell

        return shell()
    elif args.command == "report":
        from bot.db.engine import AppDatabaseError
        from bot.ops.report import build_report

        try:
            print(build_report(days=args.days))
        except AppDatabaseError as exc:
            print(exc, file=sys.stderr)
            return 2
    return 0
