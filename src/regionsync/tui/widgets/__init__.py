"""The dashboard's widgets, one module per region of the screen: header, diff (table + reason line),
filter bar and jobs panel. Widgets receive data by attribute or method and post messages up;
none of them talks to the network or the journal."""
