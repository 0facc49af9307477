"""``manage.py seed_demo``: load the 盘锦市 demo data set (idempotent) and print the demo logins."""

from __future__ import annotations

import time
import unicodedata

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from accounts.models import User
from core.registry import demo_data
from kindergartens.demo import DEMO_PASSWORD, DISTRICTS, seed


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _role_label(user: User) -> str:
    role = user.role_enum
    return str(role.label) if role is not None else user.role


class Command(BaseCommand):
    help = (
        "载入演示数据（盘锦市及三个区县、约 60 所幼儿园的完整档案、班级、违规查处、年检、变更备案、各角色账号），"
        "可重复运行，并打印演示账号。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="只打印演示账号表")

    def handle(self, *args, quiet: bool = False, **options):
        started = time.monotonic()
        try:
            result = seed()
        except ValidationError as exc:  # e.g. a demo username already taken by an account of another kind
            raise CommandError(f"演示数据未载入（已全部回滚）：{exc}") from exc
        # Each app's own demo data, registered with core (core.registry.register_demo), in their order.
        for demo in demo_data():
            made = {label: n for label, n in import_string(demo.seed)().items() if n}
            if made and not quiet:
                self.stdout.write(f"{demo.label}：" + "，".join(f"{label} {n}" for label, n in made.items()))
        elapsed = time.monotonic() - started

        if not quiet:
            if result.created:
                made = "，".join(f"{label} {n}" for label, n in result.created.items())
                self.stdout.write(f"本次新建：{made}")
            if result.completed:
                self.stdout.write(f"本次补全档案：{result.completed} 所幼儿园")
            if result.corrected:
                made = "，".join(f"{label} {n}" for label, n in result.corrected.items())
                self.stdout.write(f"本次更正演示数据：{made}")
            if not result.created and not result.completed and not result.corrected:
                self.stdout.write("演示数据已存在，未作修改。")
        self._logins(result.logins)
        if not quiet:
            keys = "、".join(d.key for d in DISTRICTS)
            self.stdout.write(
                f"其余账号同一密码，命名为 <区县>_admin / _staff / _duxueN / _yuanzhangN（区县：{keys}）。"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"演示数据已就绪：{result.districts} 个区县，{result.kindergartens} 所幼儿园，"
                    f"{result.accounts} 个账号，{result.classes} 个班级，{result.violations} 条违规查处，"
                    f"{result.inspections} 条年检结果，{result.filings} 份变更备案（用时 {elapsed:.1f} 秒）"
                )
            )

    def _logins(self, users: list[User]) -> None:
        header = ("用户名", "角色", "所属单位", "密码")
        rows = [
            (u.username, _role_label(u), str(u.organisation or "—"), DEMO_PASSWORD if u.is_active else "（已停用）")
            for u in users
        ]
        widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
        for row in (header, tuple("-" * w for w in widths), *rows):
            self.stdout.write("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
