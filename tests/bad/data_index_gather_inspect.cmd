inspect data_index_gather.gb --data data_index_gather.json
