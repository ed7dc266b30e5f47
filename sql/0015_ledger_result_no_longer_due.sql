-- Issue 14 §3–4: the monthly result mail every reporting unit gets
-- (rule 'result'), and the end state of a key that stopped being due before
-- it was sent ('no_longer_due': a unit that reported after its reminder was
-- planned, a round superseded by the next). Enlarging an Enum8 keeps the
-- stored values (as 0009 did on 18.16); running this twice changes nothing.

ALTER TABLE send_ledger MODIFY COLUMN rule Enum8('lagging' = 1, 'not_reported' = 2, 'escalation' = 3, 'digest' = 4, 'result' = 5);

ALTER TABLE send_ledger MODIFY COLUMN state Enum8('pending' = 1, 'sending' = 2, 'sent' = 3, 'failed' = 4, 'no_longer_due' = 5);
