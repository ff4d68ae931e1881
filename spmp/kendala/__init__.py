"""Field obstacles (kendala): a shared case type (``workflows/kendala.yaml``) that schools, Pemda and
facilitators report on a school, optionally about another case (a Revitalisasi proposal, later a
Digitalisasi delivery); the B/BPMP triages, assigns and resolves; late ones escalate to Pusat."""
