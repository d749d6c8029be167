CREATE TABLE ${{ values.name | replace("-", "_") }} (id int);
