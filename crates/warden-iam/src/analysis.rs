pub fn full_admin(_p: &crate::Policy) -> Option<()> {
    None
}
