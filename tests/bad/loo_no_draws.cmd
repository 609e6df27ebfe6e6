loo ok_loo.gb --data ok_loo.json
