inspect ok_mem_data.gb --data ok_mem_data.json --memory 2G
