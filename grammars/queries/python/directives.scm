; In-file settings: `# trainlens: gpu=V100-32GB gpus=8`.
((comment) @directive
  (#match? @directive "^#[ \t]*trainlens:"))
