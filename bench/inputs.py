"""Generated inputs for the shapes the corpus does not have: one very large
document, and very many small ones.

Both are written to a file in the bench's temporary directory, never kept in
the project.  Their images are spread over a few dozen names, so the rules and
the report see realistic repetition, and every container is rewritten (the
seed rules cover docker.io and quay.io).
"""

from __future__ import annotations

from pathlib import Path

DEPLOYMENT_CONTAINERS = 50_000
SMALL_PODS = 100_000

_HEAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: big
  labels:
    app: big
spec:
  replicas: 1
  selector:
    matchLabels:
      app: big
  template:
    metadata:
      labels:
        app: big
    spec:
      containers:
"""


def _container(i: int) -> str:
    port = 8000 + i % 1000
    return f"""\
      - name: c{i}
        image: docker.io/library/nginx:1.{i % 30}.{i % 7}
        imagePullPolicy: IfNotPresent
        args: ["--port", "{port}", "--log-level", "info", "--worker-{i}"]
        env:
        - name: INDEX
          value: "{i}"
        ports:
        - containerPort: {port}
          protocol: TCP
        resources:
          limits: {{cpu: 100m, memory: 64Mi}}
          requests: {{cpu: 10m, memory: 16Mi}}
"""


def write_deployment(path: Path, containers: int = DEPLOYMENT_CONTAINERS) -> int:
    """One Deployment with `containers` containers (about 20 MB at 50k); its size."""
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEAD)
        for i in range(containers):
            out.write(_container(i))
    return path.stat().st_size


def write_pods(path: Path, pods: int = SMALL_PODS) -> int:
    """`pods` small Pods, one document each; the file's size."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(pods):
            out.write(f"---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n"
                      f"  containers:\n  - name: c\n    image: quay.io/org/app{i % 50}:v{i % 9}\n")
    return path.stat().st_size
