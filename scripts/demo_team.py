"""`make demo-team`: two developers, two real servers over stdio, one team hub on a throwaway PostgreSQL.

It starts a PostgreSQL cluster in a temporary folder (Debian's binaries;
removed at the end), makes it a hub (`scion hub init`), gives Ann and Bob a
login each, and opens `demo-team/ann` and `demo-team/bob` in their own
servers (own workspace, own SQLite file, own instance id and user data
folder). Ann names her dataclasses pascal(file) + "Model" whenever she is
asked; her kept answers reach the hub; Bob's server pulls them, learns the
convention, and answers it for Bob without asking. It prints what each was
asked, what the hub holds and the team's numbers beside Bob's own.

Then a template improved from both: each developer generates Pydantic
models, keeps one as generated and adds the same line under the import in
four others (too few for either server alone: improvement needs 8 decided
generations). The team shares its code (`scion.hub.share = code`), so the
second server to see the other's edits has 10: its evolution run folds the
edit into `python/pydantic-model` 1.1.0, deploys it, and the hub carries it
to the other, which installs it into its user template root. Both are then
offered the upgrade (the `scion.upgrade` diagnostic) on the model each kept
as generated. Like `make demo`, it is a client: its stdout is your terminal.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_lsp import ClientServerConfig

from server.cli.stats import print_team, team_side_by_side
from server.hub.admin import add_member, init_hub
from server.hub.client import connected
from server.store import Store
from server.templates.filters import pascal
from tests.e2e.conftest import initialize_params
from tests.e2e.editor import Editor
from tests.support.answers import MODULE, generate_dataclass
from tests.support.client_compat import fix_code_action_union
from tests.support.pg_cluster import Cluster, binaries

ROOT = Path("demo-team")
TASK = "python/dataclass:class_name"
ANN_FILES = ["shop/order_item.py", "accounts/user.py", "billing/invoice_line.py", "jobs/email_sender.py"]
BOB_FILES = ["geo/map_tile.py", "auth/token_cache.py"]
IMPROVED = "python/pydantic-model"
TEAM_EDIT = "from typing import ClassVar\n"  # both developers add it under the generated import
ANN_MODELS = ["shop/order.py", "shop/invoice.py", "shop/refund.py", "shop/basket.py", "shop/coupon.py"]
BOB_MODELS = ["geo/tile.py", "geo/route.py", "geo/place.py", "geo/zone.py", "geo/area.py"]


def heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


async def developer(name: str, hub_url: str) -> Editor:
    workspace = (ROOT / name).resolve()
    (workspace / ".scion").mkdir(parents=True)
    env = {**os.environ, "SCION_INSTANCE_ID": f"{name}-laptop", "XDG_DATA_HOME": str(ROOT.resolve() / f".{name}-data")}
    client = await ClientServerConfig(server_command=[sys.executable, "-P", "-m", "server"], server_env=env).start()
    fix_code_action_union(client.protocol._converter)
    editor = Editor(client, workspace)
    options = {
        "ask": True,
        "scion": {
            "tracking": {"checkpoints": [0.5, 1.0]},
            # Template improvement after 8 decided generations of a version kept but edited 60% of the time.
            "evolution": {
                "debounce": 0.2,
                "minExecutions": 4,
                "minKeptRate": 0.75,
                "minDecided": 8,
                "improveEditedAbove": 0.6,
                "trialShare": 0.0,
            },
            "hub": {"url": hub_url, "pollInterval": 2.0, "share": "code"},
        },
    }
    await client.initialize_session(initialize_params("visual_studio_code", workspace, options))
    return editor


async def generate(editor: Editor, who: str, rel: str) -> bool:
    """One dataclass in a new module; the developer answers class_name by the convention. True when asked."""
    uri, _, asked = await generate_dataclass(editor, rel, pascal(Path(rel).stem) + "Model")
    name = next(line for line in editor.text(uri).splitlines() if line.startswith("class "))
    print(f"  {who}: {rel:28} {'asked, answered' if asked else 'not asked:     '} -> {name}")
    return asked


async def wait_until(check, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise SystemExit("demo-team: timed out")
        await asyncio.sleep(0.2)


async def stage_of(editor: Editor) -> str | None:
    status = await editor.command("scion.evolveStatus")
    return next((t["stage"] for t in status["tasks"] if t["task"] == TASK and t.get("program")), None)


async def session(member) -> int:
    ann, bob = await developer("ann", member("ann")), await developer("bob", member("bob"))
    try:
        heading("Ann works: she names each dataclass <File>Model when her server asks")
        for rel in ANN_FILES:
            await generate(ann, "Ann", rel)
            await wait_until(lambda: _decided(ann))
        heading("Bob's server pulls the team's kept answers from the hub and learns the convention")
        await wait_until(lambda: _learned(bob))
        heading("Bob works: nobody taught his server anything")
        asked = [await generate(bob, "Bob", rel) for rel in BOB_FILES]
        heading("The hub, as each server sees it (scion.hubStatus)")
        for who, editor in (("Ann", ann), ("Bob", bob)):
            hub = await editor.command("scion.hubStatus")
            print(f"  {who}: {hub['state']}, team {hub['team']} of {hub['teamSize']}, backlog {hub['backlog']}")
        with Store(bob.workspace / ".scion" / "scion.db") as store:
            print_team(team_side_by_side(store))
        offered = await improved_from_both(ann, bob, member("ann"))
        return 1 if any(asked) or not offered else 0
    finally:
        for editor in (ann, bob):
            await editor.client.shutdown_session()


async def model(editor: Editor, who: str, rel: str, edit: bool) -> str:
    """A Pydantic model in a new module, kept as generated or with the team's line under its import."""
    editor.answer = lambda params: {q["name"]: q.get("default") for q in params["questions"]}
    uri = editor.open(rel, MODULE)
    await editor.generate(uri, IMPROVED, line=2)
    if edit:
        editor.change(uri, 3, 0, 3, 0, TEAM_EDIT)
        editor.save(uri)
    await wait_until(lambda: _decided(editor))
    print(f"  {who}: {rel:16} kept {'with `' + TEAM_EDIT.strip() + '` added' if edit else 'as generated'}")
    return uri


async def improved_from_both(ann: Editor, bob: Editor, ann_url: str) -> bool:
    """Both make the same edit, each too few times alone; True when both are offered the improved version."""
    heading(f"Ann and Bob both add `{TEAM_EDIT.strip()}` to the {IMPROVED} code they keep (4 times each)")
    ann_plain = await model(ann, "Ann", ANN_MODELS[0], edit=False)
    bob_plain = await model(bob, "Bob", BOB_MODELS[0], edit=False)
    for rel in ANN_MODELS[1:]:
        await model(ann, "Ann", rel, edit=True)
    for rel in BOB_MODELS[1:]:
        await model(bob, "Bob", rel, edit=True)
    heading("Neither has the 8 decided generations improvement needs; together they do: both are offered the result")
    offers = {}
    for who, editor, uri in (("Ann", ann, ann_plain), ("Bob", bob, bob_plain)):
        try:
            await editor.wait_for(lambda e=editor, u=uri: _upgrade_offers(e, u), timeout=120)
        except AssertionError:
            print(f"  {who}: no upgrade offered")
            continue
        [offer] = _upgrade_offers(editor, uri)
        offers[who] = offer
        print(f"  {who}: {Path(uri).name}: {offer.message}")
    for who, editor in (("Ann", ann), ("Bob", bob)):
        with Store(editor.workspace / ".scion" / "scion.db") as store:
            deployed = [d for d in store.deployments(IMPROVED) if not d["rolled_back"]]
        if deployed:
            print(f"  {who}'s server deployed {deployed[0]['version']} into its workspace")
    with connected(ann_url, "ann-laptop") as hub:
        for row in hub.pull_templates(0):
            print(f"  the hub holds {row['template_id']} {row['version']}, deployed once, by {row['instance_id']}")
    return len(offers) == 2


def _upgrade_offers(editor: Editor, uri: str) -> list:
    return [d for d in editor.diagnostics(uri) if d.code == "scion.upgrade"]


async def _decided(editor: Editor) -> bool:
    with Store(editor.workspace / ".scion" / "scion.db") as store:
        return not store.pending_generations()


async def _learned(bob: Editor) -> bool:
    return await stage_of(bob) == "hybrid"


def main() -> int:
    bin_dir = binaries()
    if bin_dir is None:
        print("demo-team needs PostgreSQL 15+ (make demo-team installs Debian's postgresql)")
        return 1
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir()
    heading("A throwaway PostgreSQL cluster becomes the team hub")
    cluster = Cluster(bin_dir).start()
    try:
        admin = cluster.create_database("scion_hub")
        print(f"  scion hub init {admin}: schema version {init_hub(admin).after}")
        for name in ("ann", "bob"):
            add_member(admin, name, "shop")
            print(f"  scion hub add-member {name} --team shop")

        def member(name: str) -> str:
            return cluster.url("scion_hub", user=name)

        return asyncio.run(session(member))
    finally:
        cluster.stop()
        print("\n(the cluster and its folder are removed; the workspaces stay in demo-team/)")


if __name__ == "__main__":
    raise SystemExit(main())
