"""schools: bentuk pendidikan as reference data; provinces keep their Dapodik code

- ``bentuk_pendidikan`` (code, name, jenjang, aliases, sort order) replaces the hard-coded CHECK of 11 forms
  on ``school.bentuk``, which becomes a foreign key to it (and wider: ``SMAg.K``, ``SPK SMA``). The 11 forms
  the CHECK allowed are inserted here so existing schools satisfy the key; ``spmp reference load`` adds the
  rest from spmp/regions/data/bentuk_pendidikan.csv.
- ``province.dapodik_code``: Kemendikbud's province code (the crosswalk in spmp/regions/data/).

SQLite: dropping a CHECK, widening a VARCHAR and adding a foreign key change nothing stored on disk, so the
table definition is edited in place (the "simpler procedure" of https://www.sqlite.org/lang_altertable.html,
section 7) instead of rebuilding ``school``: a rebuild drops the table, which fails the foreign keys of
every user and case that references a school (PRAGMA foreign_keys cannot be switched off inside the
migration's transaction).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_FORMS = {
    "TK": ("Taman Kanak-kanak", "PAUD"),
    "KB": ("Kelompok Bermain", "PAUD"),
    "TPA": ("Taman Penitipan Anak", "PAUD"),
    "SPS": ("Satuan PAUD Sejenis", "PAUD"),
    "SD": ("Sekolah Dasar", "Pendidikan Dasar"),
    "SMP": ("Sekolah Menengah Pertama", "Pendidikan Dasar"),
    "SMA": ("Sekolah Menengah Atas", "Pendidikan Menengah"),
    "SMK": ("Sekolah Menengah Kejuruan", "Pendidikan Menengah"),
    "SLB": ("Sekolah Luar Biasa", "Pendidikan Khusus"),
    "SKB": ("Sanggar Kegiatan Belajar", "Pendidikan Kesetaraan"),
    "PKBM": ("Pusat Kegiatan Belajar Masyarakat", "Pendidikan Kesetaraan"),
}
OLD_CHECK = "bentuk IN ('TK', 'KB', 'TPA', 'SPS', 'SD', 'SMP', 'SMA', 'SMK', 'SLB', 'SKB', 'PKBM')"
SQLITE_CHECK = f"\tCONSTRAINT ck_school_bentuk CHECK ({OLD_CHECK}), \n"
SQLITE_FK = "\tCONSTRAINT fk_school_bentuk_bentuk_pendidikan FOREIGN KEY(bentuk) REFERENCES bentuk_pendidikan (code), \n"
SQLITE_FK_ANCHOR = "\tCONSTRAINT fk_school_province_code_province"


def upgrade() -> None:
    table = op.create_table(
        "bentuk_pendidikan",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("jenjang", sa.String(length=30), nullable=False),
        sa.Column("aliases", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_bentuk_pendidikan")),
    )
    op.bulk_insert(
        table,
        [
            {"code": code, "name": name, "jenjang": jenjang, "aliases": "", "sort_order": order}
            for order, (code, (name, jenjang)) in enumerate(OLD_FORMS.items())
        ],
    )
    op.add_column("province", sa.Column("dapodik_code", sa.String(length=6), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _edit_sqlite_school(
            lambda sql: (
                _replace(sql, SQLITE_CHECK, "")
                .replace("bentuk VARCHAR(5) NOT NULL", "bentuk VARCHAR(10) NOT NULL")
                .replace(SQLITE_FK_ANCHOR, SQLITE_FK + SQLITE_FK_ANCHOR, 1)
            )
        )
        return
    op.drop_constraint(op.f("ck_school_bentuk"), "school", type_="check")
    op.alter_column("school", "bentuk", type_=sa.String(length=10), existing_nullable=False)
    op.create_foreign_key(
        op.f("fk_school_bentuk_bentuk_pendidikan"), "school", "bentuk_pendidikan", ["bentuk"], ["code"]
    )


def downgrade() -> None:
    # Schools of forms outside the old 11 cannot stay: the downgrade refuses rather than delete them.
    bind = op.get_bind()
    others = bind.execute(sa.text(f"SELECT count(*) FROM school WHERE NOT ({OLD_CHECK})")).scalar()
    if others:
        raise RuntimeError(f"{others} sekolah berbentuk di luar 11 bentuk lama: downgrade dibatalkan")
    if bind.dialect.name == "sqlite":
        _edit_sqlite_school(
            lambda sql: (
                _replace(sql, SQLITE_FK, "")
                .replace("bentuk VARCHAR(10) NOT NULL", "bentuk VARCHAR(5) NOT NULL")
                .replace(
                    "\tCONSTRAINT ck_school_internet_access",
                    SQLITE_CHECK + "\tCONSTRAINT ck_school_internet_access",
                    1,
                )
            )
        )
    else:
        op.drop_constraint(op.f("fk_school_bentuk_bentuk_pendidikan"), "school", type_="foreignkey")
        op.alter_column("school", "bentuk", type_=sa.String(length=5), existing_nullable=False)
        op.create_check_constraint(op.f("ck_school_bentuk"), "school", OLD_CHECK)
    # ALTER TABLE ... DROP COLUMN on both (SQLite >= 3.35): a batch rebuild of province would fail the
    # foreign keys that reference it.
    op.execute("ALTER TABLE province DROP COLUMN dapodik_code")
    op.drop_table("bentuk_pendidikan")


def _replace(sql: str, old: str, new: str) -> str:
    if old not in sql:
        raise RuntimeError(f"school table definition is not the expected one (missing {old.strip()!r})")
    return sql.replace(old, new)


def _edit_sqlite_school(change) -> None:
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'school'"
    ).scalar()
    new_sql = change(sql)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'school'", (new_sql,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA foreign_key_check(school)").fetchall()
    if problems:
        raise RuntimeError(f"school rows without their bentuk_pendidikan: {problems[:5]}")
