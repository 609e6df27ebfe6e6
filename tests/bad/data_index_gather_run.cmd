run data_index_gather.gb --data data_index_gather.json --draws 10 --warmup 10
