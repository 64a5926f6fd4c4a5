"""A simulated dealer network: DMS systems posting ROs, customers answering surveys, CRAs calling, staff handling complaints."""
