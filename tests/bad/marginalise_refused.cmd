inspect marginalise_refused.gb --data ok_marginalise_y.json
