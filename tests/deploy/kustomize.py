"""A tiny kustomize: the part of it that deploy/ uses (kustomize itself may not be installable here).

Supported in a kustomization.yaml: `resources` (files, or folders holding a kustomization.yaml),
`namespace`, `images` (newName / newTag / digest) and `patches` given by `path` as strategic-merge
patches (maps merge; lists of named items — containers, env, volumes, volumeMounts — merge by name;
other lists are replaced). Anything else is refused, so deploy/ cannot silently outgrow this renderer.
Where `kubectl kustomize` exists the tests compare the two.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
# Kinds without a namespace (those deploy/ may hold).
CLUSTER_SCOPED = {
    "ClusterRole",
    "ClusterRoleBinding",
    "Namespace",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "SecurityContextConstraints",
}


class Unsupported(ValueError):
    pass


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(directory: Path) -> list[dict]:
    directory = Path(directory)
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise Unsupported(f"{directory}/kustomization.yaml uses {sorted(unknown)}: extend tests/deploy/kustomize.py")
    objects: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        objects += render(path) if path.is_dir() else load_all(path)
    for patch in kustomization.get("patches", []):
        if set(patch) != {"path"}:
            raise Unsupported(f"patches: only `path` entries are supported, not {patch}")
        for doc in load_all(directory / patch["path"]):
            apply_patch(objects, doc)
    if "namespace" in kustomization:
        set_namespace(objects, kustomization["namespace"])
    for image in kustomization.get("images", []):
        set_image(objects, image)
    return objects


def key(obj: dict) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def apply_patch(objects: list[dict], patch: dict) -> None:
    targets = [o for o in objects if key(o) == key(patch) and o["apiVersion"] == patch["apiVersion"]]
    if len(targets) != 1:
        raise Unsupported(f"patch for {key(patch)} matches {len(targets)} objects")
    merged = merge(targets[0], patch)
    targets[0].clear()
    targets[0].update(merged)


def merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for name, value in patch.items():
            out[name] = merge(base[name], value) if name in base else copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        out = copy.deepcopy(base)
        for item in patch:
            index = next((i for i, old in enumerate(out) if old["name"] == item["name"]), None)
            if index is None:
                out.append(copy.deepcopy(item))
            else:
                out[index] = merge(out[index], item)
        return out
    return copy.deepcopy(patch)


def _named(items: list) -> bool:
    return bool(items) and all(isinstance(i, dict) and "name" in i for i in items)


def set_namespace(objects: list[dict], namespace: str) -> None:
    for obj in objects:
        if obj["kind"] not in CLUSTER_SCOPED:
            obj["metadata"]["namespace"] = namespace
        if obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            for subject in obj.get("subjects", []):
                if subject.get("kind") == "ServiceAccount" and not subject.get("namespace"):
                    subject["namespace"] = namespace


def split_image(reference: str) -> tuple[str, str, str]:
    """(name, tag, digest) of an image reference; a port in the registry name is not a tag."""
    name, _, digest = reference.partition("@")
    tag = ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest


def containers_of(obj: dict) -> list[dict]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def set_image(objects: list[dict], image: dict) -> None:
    for obj in objects:
        for container in containers_of(obj):
            name, tag, digest = split_image(container["image"])
            if name != image["name"]:
                continue
            name = image.get("newName", name)
            if "digest" in image:
                container["image"] = f"{name}@{image['digest']}"
            else:
                tag = image.get("newTag", tag)
                container["image"] = f"{name}:{tag}" if tag else name
                if digest:
                    container["image"] += f"@{digest}"
