run ok_mem_data.gb --data ok_mem_data.json --memory 16G --chains 4 --threads 1
