reference --data x.json
