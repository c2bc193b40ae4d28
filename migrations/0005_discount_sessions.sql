-- Discount sessions: each archived line keeps the price on the item's tag beside the price it sold
-- at (the same before discounts existed).
ALTER TABLE transaction_items ADD COLUMN tag_price INTEGER;
UPDATE transaction_items SET tag_price = price WHERE tag_price IS NULL;
