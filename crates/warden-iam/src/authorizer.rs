pub struct Authorizer;
pub struct Grant;
