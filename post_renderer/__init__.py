"""registry-rewrite: rewrite container image references in rendered Kubernetes
manifests by Registry Connect `imageReplacementRules`, changing nothing else."""

__version__ = "0.1.0"
