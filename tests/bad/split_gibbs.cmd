run ok_split_gibbs.gb --data ok_split_gibbs.json --split-rows 2 --chains 1
