"""一企一档: enterprises, their storage facilities, licences, annual plans and vehicles."""
