optimize optimize_discrete.gb --data optimize_discrete.json
