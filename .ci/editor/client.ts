import axios from "axios";

export async function loadUser(id: string) {
  const res = await axios.get(`/api/users/${id}`);
  return res.data;
}
